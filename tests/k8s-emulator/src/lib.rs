//! Kubernetes API emulator (being written).
