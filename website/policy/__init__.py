"""The privacy policy: versioned, in Dutch and English."""
