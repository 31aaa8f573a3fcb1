package db

import "database/sql"

// expectOne turns an update or delete that matched no row into ErrNotFound.
func expectOne(res sql.Result, err error) error {
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
