-- 0002: the pixel size of image attachments, read from the file's header at
-- upload, so that a page can lay an image out before it loads.  NULL for
-- PDFs, and for images stored before this migration.

ALTER TABLE attachment ADD COLUMN width INTEGER CHECK (width > 0);
ALTER TABLE attachment ADD COLUMN height INTEGER CHECK (height > 0);
