-- 0002: reserved for the attachment image sizes (another branch); empty
-- here so that 0003 follows without a gap.  Dropped when the two meet.
SELECT 1;
