# Writes the farm tests' scene: a cube turning through 240 frames, tiny and quick to render on
# Debian's CPU-only Blender. Denoising is off: Debian's blender is built without
# OpenImageDenoise. Usage: blender -b --factory-startup --python make_scene.py -- OUT.blend [WIDTH HEIGHT SAMPLES]
import sys

import bpy

argv = sys.argv[sys.argv.index("--") + 1:]
out = argv[0]
width, height, samples = (int(v) for v in (argv[1:4] if len(argv) >= 4 else (160, 120, 32)))

bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.render.engine = 'CYCLES'
scene.cycles.samples = samples
scene.cycles.use_denoising = False
# Every sample is rendered: frame times follow the sample count (adaptive sampling would stop early).
scene.cycles.use_adaptive_sampling = False
scene.cycles.device = 'CPU'
scene.render.resolution_x = width
scene.render.resolution_y = height
scene.render.resolution_percentage = 100
scene.frame_start = 1
scene.frame_end = 240

bpy.ops.mesh.primitive_cube_add(size=2, location=(0, 0, 0))
cube = bpy.context.active_object
cube.keyframe_insert(data_path="rotation_euler", frame=1)
cube.rotation_euler = (0, 0, 6.283)
cube.keyframe_insert(data_path="rotation_euler", frame=240)
bpy.ops.object.camera_add(location=(6, -6, 4), rotation=(1.1, 0, 0.785))
scene.camera = bpy.context.active_object
bpy.ops.object.light_add(type='SUN', location=(0, 0, 10))
bpy.ops.wm.save_as_mainfile(filepath=out)
