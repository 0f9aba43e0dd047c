"""The Textual front end: app, screens, widgets, messages and one .tcss per screen."""
