# admin module: sources, programs, unit tests.
