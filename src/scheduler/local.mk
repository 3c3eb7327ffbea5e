# scheduler module: sources, programs, unit tests.
