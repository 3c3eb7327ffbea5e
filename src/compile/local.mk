# compile module: sources, programs, unit tests.
