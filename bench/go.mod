module portail/bench

go 1.26
