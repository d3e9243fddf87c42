//! Nothing here: the end-to-end suites are the test targets of this package (`e2e/`).
