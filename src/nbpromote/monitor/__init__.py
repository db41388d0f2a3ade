"""nbpromote.monitor"""
