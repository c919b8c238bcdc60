# Writes a scene that needs a file beside it: a plane filling the camera, lit by its own emission
# through an image texture at the relative path //textures/green.png (written too: 8x8 pure
# green). Standard view transform, so a pixel of the frame is the texture's colour, (0, 255, 0);
# Blender renders a texture it cannot find as magenta (255, 0, 255), without an error.
# Usage: blender -b --factory-startup --python make_textured_scene.py -- OUT_DIR
import os
import sys

import bpy

out_dir = sys.argv[sys.argv.index("--") + 1:][0]
os.makedirs(os.path.join(out_dir, "textures"), exist_ok=True)

bpy.ops.wm.read_factory_settings(use_empty=True)
image = bpy.data.images.new("green", 8, 8)
image.pixels = [0.0, 1.0, 0.0, 1.0] * 64
image.filepath_raw = os.path.join(out_dir, "textures", "green.png")
image.file_format = 'PNG'
image.save()

scene = bpy.context.scene
scene.render.engine = 'CYCLES'
scene.cycles.samples = 1
scene.cycles.use_denoising = False
scene.cycles.device = 'CPU'
scene.view_settings.view_transform = 'Standard'
scene.render.resolution_x = 32
scene.render.resolution_y = 24
scene.render.resolution_percentage = 100
scene.frame_start = 1
scene.frame_end = 4

bpy.ops.mesh.primitive_plane_add(size=10, location=(0, 0, 0))
plane = bpy.context.active_object
material = bpy.data.materials.new("textured")
material.use_nodes = True
nodes = material.node_tree.nodes
links = material.node_tree.links
nodes.clear()
texture = nodes.new("ShaderNodeTexImage")
texture.image = image
emission = nodes.new("ShaderNodeEmission")
output = nodes.new("ShaderNodeOutputMaterial")
links.new(texture.outputs["Color"], emission.inputs["Color"])
links.new(emission.outputs["Emission"], output.inputs["Surface"])
plane.data.materials.append(material)
bpy.ops.object.camera_add(location=(0, 0, 5), rotation=(0, 0, 0))
scene.camera = bpy.context.active_object

blend = os.path.join(out_dir, "textured.blend")
bpy.ops.wm.save_as_mainfile(filepath=blend, relative_remap=True)
# The image path relative to the .blend: moving the folder keeps it, copying the .blend alone loses it.
bpy.data.images["green"].filepath = "//textures/green.png"
bpy.ops.wm.save_as_mainfile(filepath=blend)
