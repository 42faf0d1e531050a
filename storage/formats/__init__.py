"""File formats: reading transcripts (txt, md, docx, odt, vtt, srt) into a ParsedDocument."""
