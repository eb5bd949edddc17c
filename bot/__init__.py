"""ecoach: a Telegram e-coaching assistant for alumnae of a leadership program."""
