"""Load and scale benchmarks of the production configuration (see docs/benchmarks.md)."""
