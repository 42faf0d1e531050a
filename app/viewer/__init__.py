"""The document viewer: a transcript with its speaker turns, coding highlights and stripes."""
