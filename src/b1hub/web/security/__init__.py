"""Who is asking, what they may do, and the browser-side protections of the console."""
