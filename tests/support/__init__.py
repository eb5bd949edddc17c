"""Test helpers, in one place: factories, the in-process and live bots, seeded cohorts. Test modules
import from here, never from each other."""
