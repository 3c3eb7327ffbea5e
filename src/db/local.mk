# db module: sources, programs, unit tests.
