//! Averaging of SGD iterates.
