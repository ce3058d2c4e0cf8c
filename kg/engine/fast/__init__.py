"""engine/fast"""
