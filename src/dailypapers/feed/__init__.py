"""The daily feed: which papers a day, week or month lists, in what order, as cards."""
