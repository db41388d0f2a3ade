"""nbpromote.registry"""
