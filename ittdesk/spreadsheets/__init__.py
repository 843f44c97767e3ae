"""Reading the spreadsheets people send, and writing the ones they are asked for."""
