"""nbpromote.server"""
