-- The orphan sweeper asks which stored files some row names (documents,
-- label PDFs, proofs), a few hundred keys at a time, and `portail blobs
-- migrate` reads every named key: both by these indexes.
CREATE INDEX documents_blob_key ON documents (blob_key);
CREATE INDEX labels_pdf_key ON labels (pdf_key);
CREATE INDEX document_proofs_blob_key ON document_proofs (blob_key);
