-- 0004: a placeholder.  Other branches add migrations 0002 to 0004; this
-- file only keeps the numbering without gaps until they land, and is
-- dropped then.
SELECT 1;
