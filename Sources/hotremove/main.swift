print("hotremove")
