"""The Textual front end: it renders the engine's records and forwards what the learner types. The engine decides."""
