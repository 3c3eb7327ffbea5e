# sim module: sources, programs, unit tests.
