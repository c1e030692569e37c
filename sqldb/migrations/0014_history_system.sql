-- A change no user made names the part of the system that made it (SPEC
-- §9 Wave-2 details 1: an actor of kind system), so that the built-in
-- simulator's moves say they are simulated. Older rows keep '': the system.
ALTER TABLE history ADD COLUMN actor_system TEXT NOT NULL DEFAULT '';
