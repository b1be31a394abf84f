module govc.test/re2

go 1.21
