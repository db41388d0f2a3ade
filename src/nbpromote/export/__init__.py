"""nbpromote.export"""
