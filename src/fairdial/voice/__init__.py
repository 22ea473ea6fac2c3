"""The audio side of a phone call: codecs, pacing, voice activity, turn-taking and the session."""
