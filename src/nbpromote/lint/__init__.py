"""nbpromote.lint"""
