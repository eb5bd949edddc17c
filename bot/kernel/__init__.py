"""The shared kernel every feature builds on: settings, clock, texts, the update's context, Telegram
output and its send policy, parsing, button data and guards. It imports db/ and nothing above it."""
