package staff_test

import (
	"testing"

	"cohort/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
