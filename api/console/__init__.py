"""The French web console served at ``/`` beside the API (issue 18): pages rendered on the server."""
