"""What the console and the API do, apart from HTTP: both call these, so a page and its API
route can never disagree."""
