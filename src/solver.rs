//! Full-batch minimisation to a certified optimum.
