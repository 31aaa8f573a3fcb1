package enroll

import "slices"

// commonZones are the time zones offered in the select. A member's zone that
// is not listed (any valid IANA name is accepted) is added to the list.
var commonZones = []string{
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Vancouver", "America/Denver",
	"America/Phoenix", "America/Chicago", "America/Mexico_City", "America/New_York", "America/Toronto",
	"America/Bogota", "America/Lima", "America/Halifax", "America/Santiago", "America/Sao_Paulo",
	"America/Argentina/Buenos_Aires", "Atlantic/Azores", "UTC", "Europe/London", "Europe/Dublin",
	"Europe/Lisbon", "Africa/Lagos", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
	"Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Africa/Johannesburg", "Africa/Cairo",
	"Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "Africa/Nairobi", "Asia/Jerusalem",
	"Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka",
	"Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei",
	"Asia/Manila", "Asia/Seoul", "Asia/Tokyo", "Australia/Perth", "Australia/Adelaide", "Australia/Brisbane",
	"Australia/Sydney", "Pacific/Auckland",
}

// zoneChoices is the select's options, including current if it is unusual.
func zoneChoices(current string) []string {
	if current == "" || slices.Contains(commonZones, current) {
		return commonZones
	}
	return append([]string{current}, commonZones...)
}
