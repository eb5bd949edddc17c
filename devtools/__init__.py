"""Developer tools: the loopback Bot API double, the real bot as a child process, the playground
shell and its demo cohort. Tests, benchmarks and `ecoach shell` use them; production never imports them."""
