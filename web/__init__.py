"""The organizers' web dashboard (issue: "dashboard progres online"), served by `ecoach web`."""
