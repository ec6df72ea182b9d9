-- 0010: who suspended an account, so an account below the suspender cannot resume it (a partner
-- cannot undo the operator's suspension of its customer). NULL: active, or suspended before 0010.
ALTER TABLE accounts ADD COLUMN suspended_by TEXT;
