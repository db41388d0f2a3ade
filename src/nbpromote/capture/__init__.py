"""nbpromote.capture"""
