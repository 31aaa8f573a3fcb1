package backup

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// giveToDirOwner makes the restored files belong to whoever owns the
// directory they were restored into. A restore run as root (fly's ssh
// console is root) would otherwise leave a database and uploads the
// unprivileged server cannot open.
func giveToDirOwner(paths ...string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	for _, p := range paths {
		info, err := os.Stat(filepath.Dir(p))
		if err != nil {
			return err
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || st.Uid == 0 {
			continue
		}
		err = filepath.WalkDir(p, func(q string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(q, int(st.Uid), int(st.Gid))
		})
		if err != nil {
			return err
		}
	}
	return nil
}
