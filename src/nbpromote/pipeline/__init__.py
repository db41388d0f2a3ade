"""nbpromote.pipeline"""
