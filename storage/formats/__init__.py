"""File formats in and out: transcripts (txt, md, docx, odt, vtt, srt) and later exchange formats."""
