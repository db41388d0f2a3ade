"""nbpromote.widgets"""
