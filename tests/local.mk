# tests outside the modules (integration, fuzz).
