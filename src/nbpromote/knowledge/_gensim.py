"""gensim: word and document embeddings, topic models and bag-of-words vocabularies learned from texts.

Unlike scikit-learn, a gensim model given its corpus in the constructor trains at once
(``Word2Vec(sentences)``); ``build_vocab`` + ``train`` is the two-step form. Vectors are read by
indexing (``model.wv[word]``, ``tfidf[bow]``) or by methods (``infer_vector``, ``doc2bow``).
"""

from __future__ import annotations

from ._model import Library, names

GENSIM = Library(
    name="gensim",
    roots=frozenset({"gensim"}),
    transformers=names("""
        Word2Vec FastText Doc2Vec Phrases Phraser TfidfModel LsiModel LdaModel LdaMulticore HdpModel
        RpModel LogEntropyModel Dictionary
    """),
    # Dictionary learns which tokens occur (and their document counts): a vocabulary.
    vocabulary=names("Dictionary"),
    column_changing=names("""
        Word2Vec FastText Doc2Vec Phrases Phraser TfidfModel LsiModel LdaModel LdaMulticore HdpModel
        RpModel LogEntropyModel Dictionary
    """),
    construct_fits=names("""
        Word2Vec FastText Doc2Vec Phrases Phraser TfidfModel LsiModel LdaModel LdaMulticore HdpModel
        RpModel LogEntropyModel Dictionary
    """),
    fit_methods=names("build_vocab train add_documents"),
    transform_methods=names("infer_vector get_vector get_sentence_vector doc2bow get_document_topics"),
    random_state_classes=names("LdaModel LdaMulticore"),
)
