"""DfE's Register trainee teachers, in its own files (issue 17 item 5).

layouts.py   Register's CSV layouts as its code defines them (headers, guidance rows, dates)
outgoing.py  the files a provider uploads: bulk placements, bulk QTS/EYTS recommendations
compare.py   Register's trainee export read back and set beside ITT Desk's records
"""
