"""Labels into the photo library: keywords in photos and XMP sidecars, per-label folders, and the
change log that undoes both. Nothing here runs the model: it takes the labels a photo keeps."""
