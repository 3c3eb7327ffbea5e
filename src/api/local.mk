# api module: sources, programs, unit tests.
